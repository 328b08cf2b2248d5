#pragma once
// Standard base64 (RFC 4648, with padding) and a strict UTF-8 check.
#include <optional>
#include <string>
#include <string_view>

namespace ftgo::util {

std::string base64_encode(std::string_view bytes);

// nullopt when `text` is not valid padded base64 (whitespace is not allowed).
std::optional<std::string> base64_decode(std::string_view text);

// True when `bytes` is well-formed UTF-8: no overlong forms, no surrogates,
// nothing above U+10FFFF. NUL and other control characters are valid UTF-8.
bool is_utf8(std::string_view bytes);

}  // namespace ftgo::util
