#include "util/error.hpp"

namespace ftgo {

namespace {
std::string format_message(const std::string& what, const std::string& where,
                           const std::string& cause) {
  std::string msg = what;
  if (!where.empty()) msg += ": " + where;
  if (!cause.empty()) msg += ": " + cause;
  return msg;
}
}  // namespace

Error::Error(ExitCode code, std::string what, std::string where, std::string cause)
    : std::runtime_error(format_message(what, where, cause)),
      m_code(code),
      m_what(std::move(what)),
      m_where(std::move(where)),
      m_cause(std::move(cause)) {}

Error usage_error(std::string what, std::string where, std::string cause) {
  return Error(ExitCode::usage, std::move(what), std::move(where), std::move(cause));
}

Error failure(std::string what, std::string where, std::string cause) {
  return Error(ExitCode::failure, std::move(what), std::move(where), std::move(cause));
}

}  // namespace ftgo
