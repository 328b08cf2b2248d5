#pragma once
// Small file helpers for the pipeline's state under .ftgo/.
#include <filesystem>
#include <string>

namespace ftgo::pipeline {

// Writes `text` to `path` through a temporary file in the same directory and
// a rename, creating parent directories; throws ftgo::Error on failure.
void write_file_atomic(const std::filesystem::path& path, const std::string& text);

// Appends one line (plus '\n') with a single write(2) on an O_APPEND file.
void append_line(const std::filesystem::path& path, const std::string& line);

// The current time as "2026-11-27T03:04:05.123Z".
std::string now_iso8601();

// A path for messages: relative to `base` when inside it.
std::string display_path(const std::filesystem::path& path, const std::filesystem::path& base);

}  // namespace ftgo::pipeline
