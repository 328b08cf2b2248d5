#pragma once
// The control socket of a running `ftgo run`: a Unix stream socket at
// <workspace>/.ftgo/run/control.sock (mode 0600), next to ftgo.pid.
// Protocol: the client writes one JSON request line; the server answers with
// one or more JSON lines and closes ("logs -f" streams lines until the client
// goes away). Every reply has "ok": true|false, and "error" when false.
//
// Requests:
//   {"cmd":"ps"}                                   -> {"ok":true,"services":[{"name","state","pid","restarts","uptime_ms","port","health"}...]}
//   {"cmd":"logs","service":S,"lines":N,"follow":bool} -> {"ok":true} then {"line":"..."} per line
//   {"cmd":"restart","service":S}                  -> {"ok":true} once the old process is gone and the new
//                                                     one has been exec'd (not once it is healthy)
//   {"cmd":"stop","service":S}  (no service: all)  -> {"ok":true} once the process group is gone
//   {"cmd":"down"}                                  -> {"ok":true}, then the run exits
//   {"cmd":"replace","service":S,"dir":D,"run":[argv] or "sh string","env":{...},
//    "strategy":"blue-green"|"restart","health_timeout_ms":N}
//       -> {"ok":true,"pid":NEW_PID} once the new instance is healthy and the
//          old one stopped; {"ok":false,"error":"...","rolled_back":true} when
//          the new one did not become healthy in time (it is stopped, the old
//          one keeps running). Replies also carry "strategy": the one used.
//          blue-green runs the new instance beside the old on a fresh port
//          (PORT) when the service has `port: auto`; with a fixed port two
//          processes cannot listen at once, so the restart strategy is used
//          (stop the old, start the new, and on failure start the old again).
//   Unknown services and bad requests get {"ok":false,"error":...}.
// restart, stop and replace of one service run one at a time in the order the
// requests were read, each answered when it has taken effect: from any number
// of clients, the command answered last is the one whose effect stays.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace ftgo::supervisor {

std::filesystem::path control_socket_path(const std::filesystem::path& workspace_root);
std::filesystem::path pid_file_path(const std::filesystem::path& workspace_root);

// Sends one request and returns the first reply line, parsed. Throws
// ftgo::Error when nothing runs in the workspace (no socket, or a stale one).
nlohmann::json control_request(const std::filesystem::path& workspace_root, const nlohmann::json& request,
                               int timeout_ms = 60000);

// Sends one request and calls `on_reply` for each reply line until it returns
// false or the server closes (`logs -f`). timeout_ms < 0: wait forever; else
// the longest silence allowed. Throws like control_request.
void control_stream(const std::filesystem::path& workspace_root, const nlohmann::json& request,
                    const std::function<bool(const nlohmann::json&)>& on_reply, int timeout_ms = -1);

// True when a `ftgo run` is serving the workspace's control socket.
bool run_is_active(const std::filesystem::path& workspace_root);

}  // namespace ftgo::supervisor
