#pragma once
// What order-service is: its name (also its consumer group) and its topics.
#include <string>
#include <vector>

namespace order_service {

inline const std::string k_service = "order-service";
inline const std::vector<std::string> k_subscribes = { "kitchen-events", "accounting-events", };
inline const std::vector<std::string> k_publishes = { "order-events", "audit", };

}  // namespace order_service
