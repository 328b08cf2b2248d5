#include "pipeline/hashing.hpp"

#include <openssl/evp.h>

#include <fstream>

#include "util/error.hpp"

namespace ftgo::pipeline {

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : m_impl(std::make_unique<Impl>()) {
  m_impl->ctx = EVP_MD_CTX_new();
  if (!m_impl->ctx || EVP_DigestInit_ex(m_impl->ctx, EVP_sha256(), nullptr) != 1) {
    throw failure("hash", "sha256", "OpenSSL could not initialise a digest");
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(m_impl->ctx); }

void Sha256::update(std::string_view bytes) { EVP_DigestUpdate(m_impl->ctx, bytes.data(), bytes.size()); }

void Sha256::field(std::string_view bytes) {
  update(std::to_string(bytes.size()));
  update(":");
  update(bytes);
}

void Sha256::file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw failure("hash file", path.string(), "cannot read it");
  char buf[64 * 1024];
  while (in) {
    in.read(buf, sizeof buf);
    if (in.gcount() > 0) update(std::string_view(buf, static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) throw failure("hash file", path.string(), "read error");
}

std::string Sha256::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(m_impl->ctx, digest, &len);
  static const char* k_digits = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += k_digits[digest[i] >> 4];
    out += k_digits[digest[i] & 0xf];
  }
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 h;
  h.update(bytes);
  return h.hex();
}

std::string sha256_file_hex(const std::filesystem::path& path) {
  Sha256 h;
  h.file(path);
  return h.hex();
}

}  // namespace ftgo::pipeline
