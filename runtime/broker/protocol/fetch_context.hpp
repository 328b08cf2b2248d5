#pragma once
// FetchContext: what one Fetch request means under KIP-227's session rules,
// decided when the request arrives (open) and applied to what was read when
// the answer goes out (finish), which for a parked Fetch is later.
//
// By the request's (session_id, epoch):
//   (0, -1)   sessionless: the request's partitions, answered in full, session
//             id 0 (what librdkafka and every Fetch below v7 send).
//   (id, -1)  closes session `id`, then as sessionless.
//   (any, 0)  full: closes session `id` if given; the request's partitions,
//             answered in full; a new session is created with them when the
//             cache has room (its id in the answer, else 0).
//   (id, n>0) incremental: session `id` must exist (else
//             FETCH_SESSION_ID_NOT_FOUND) and expect epoch n (else
//             INVALID_FETCH_SESSION_EPOCH); both errors answer at once with
//             no partitions and session id 0. The request's partitions are
//             added to the session or update it, forgotten_topics_data is
//             removed from it (a session left empty is closed and the
//             request answered as sessionless); every partition of the session
//             is read, and the answer carries only those with news: records,
//             an error, or a high watermark, last stable offset or log start
//             offset other than last answered. A partition answered moves to
//             the back of the session's order.
// Worked example: a full fetch of a-0 (offset 0) and a-1 (offset 5), both at
// their end, creates session 7 at epoch 1, answering both. Two records land
// in a-1. Fetch (7, 1) naming nothing reads a-0 at 0 and a-1 at 5: a-1 has
// records and a new high watermark, a-0 nothing new: the answer carries
// a-1 only, and the session now expects epoch 2. Fetch (7, 2) names a-1 at
// 7: nothing is new, the answer is empty (after max_wait_ms).
//
// Lives as long as its request (a ParkedFetch holds it); io thread only.
#include <memory>

#include "broker/fetch_sessions.hpp"
#include "broker/protocol/fetch.hpp"

namespace ftgo::broker::protocol {

class FetchContext {
 public:
  // `req` as decoded (its forgotten topics in `forgotten`); `version` the
  // Fetch version (below 7: always sessionless).
  static FetchContext open(FetchSessionCache& cache, FetchRequest req, std::int16_t version, std::int64_t now_ms);

  // What to read: the request's partitions, or the whole session's.
  const FetchRequest& request() const { return m_req; }
  // A session error (answer at once, with nothing read), or 0.
  std::int16_t error() const { return m_error; }
  // Answer without waiting for min_bytes: a session error, or a partition
  // whose topic was deleted has to be reported.
  bool answer_now() const;
  // Makes `resp`, read from request(), the answer: session id and error,
  // the incremental filtering, a new session for a full fetch.
  void finish(FetchResponse& resp, std::int64_t now_ms);

 private:
  enum class Kind { sessionless, full, incremental, error };
  FetchContext(FetchSessionCache& cache, FetchRequest req) : m_cache(&cache), m_req(std::move(req)) {}
  void finish_full(FetchResponse& resp, std::int64_t now_ms);
  void finish_incremental(FetchResponse& resp);

  FetchSessionCache* m_cache;
  FetchRequest m_req;
  Kind m_kind = Kind::sessionless;
  std::int16_t m_error = 0;
  std::shared_ptr<FetchSession> m_session;  // incremental
  std::int32_t m_expected_epoch = 0;        // the session's epoch after this request
};

}  // namespace ftgo::broker::protocol
