#pragma once
// SHA-256 over bytes and files (OpenSSL libcrypto), hex-encoded. A Sha256 is
// owned by one caller and used from one thread; feed it, then call hex() once.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace ftgo::pipeline {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  // A length-prefixed field, so ("ab","c") and ("a","bc") hash differently.
  void field(std::string_view bytes);
  // The file's contents; throws ftgo::Error when it cannot be read.
  void file(const std::filesystem::path& path);
  // Finishes the digest: 64 lowercase hex digits.
  std::string hex();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

std::string sha256_hex(std::string_view bytes);
std::string sha256_file_hex(const std::filesystem::path& path);

}  // namespace ftgo::pipeline
