#pragma once
// ftgo::Error is the one exception type library code throws. It carries what
// failed, where (a file:line:col, a service, a topic; may be empty) and why,
// plus the exit code the CLI maps it to. The CLI's single catch prints
//   ftgo: error: <what>: <where>: <cause>
#include <stdexcept>
#include <string>

namespace ftgo {

enum class ExitCode : int {
  ok = 0,
  failure = 1,      // the operation failed (a broker down, a stage failed)
  usage = 2,        // usage or bad input: bad flags, bad YAML, unknown names
  interrupted = 130,
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, std::string what, std::string where, std::string cause);

  ExitCode code() const { return m_code; }
  const std::string& what_failed() const { return m_what; }
  const std::string& where() const { return m_where; }
  const std::string& cause() const { return m_cause; }

 private:
  ExitCode m_code;
  std::string m_what;
  std::string m_where;
  std::string m_cause;
};

// Shorthands for the two common kinds.
Error usage_error(std::string what, std::string where, std::string cause);
Error failure(std::string what, std::string where, std::string cause);

}  // namespace ftgo
