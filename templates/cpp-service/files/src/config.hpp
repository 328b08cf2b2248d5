#pragma once
// What {{name}} is: its name (also its consumer group) and its topics.
#include <string>
#include <vector>

namespace {{name_snake}} {

inline const std::string k_service = "{{name}}";
inline const std::vector<std::string> k_subscribes = { {{#subscribes}}"{{.}}", {{/subscribes}}};
inline const std::vector<std::string> k_publishes = { {{#publishes}}"{{.}}", {{/publishes}}};

}  // namespace {{name_snake}}
