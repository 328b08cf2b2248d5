#pragma once
// Clock: where the group coordinator gets the time, so unit tests can drive
// session timeouts, rebalance timeouts and offsets retention without sleeping.
#include <chrono>
#include <cstdint>

namespace ftgo::broker::groups {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now_ms() const = 0;
};

// Monotonic milliseconds (std::chrono::steady_clock).
class SteadyClock : public Clock {
 public:
  std::int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

// Wall-clock milliseconds since the epoch (std::chrono::system_clock): for
// times that must mean the same after a restart.
class SystemClock : public Clock {
 public:
  std::int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock tests move by hand.
class ManualClock : public Clock {
 public:
  std::int64_t now_ms() const override { return m_now; }
  void advance(std::int64_t ms) { m_now += ms; }

 private:
  std::int64_t m_now = 1'000'000;
};

}  // namespace ftgo::broker::groups
