#pragma once
// Kafka's rule for topic names, checked before any request so a bad name gets
// a clear error instead of a broker's INVALID_TOPIC_EXCEPTION.
#include <string>

namespace ftgo::events {

// The reason Kafka would refuse `name`, or "" when it is valid:
// 1 to 249 characters from [a-zA-Z0-9._-], and neither "." nor "..".
std::string topic_name_problem(const std::string& name);

// Throws a usage ftgo::Error "invalid topic name: NAME: <reason>" when Kafka would refuse it.
void check_topic_name(const std::string& name);

}  // namespace ftgo::events
