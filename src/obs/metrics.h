// Metrics: process-wide counters and gauges rendered in Prometheus text format.
// Thread-safe. Names follow Prometheus conventions; labels are given pre-sorted.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace sg {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  void increment(const std::string& name, const Labels& labels = {}, uint64_t by = 1);
  void set_gauge(const std::string& name, const Labels& labels, double value);
  // Declares HELP/TYPE text for a metric; undeclared metrics render as untyped.
  void describe(const std::string& name, const std::string& type, const std::string& help);
  uint64_t counter(const std::string& name, const Labels& labels = {}) const;
  std::string render() const;

 private:
  static std::string series_key(const std::string& name, const Labels& labels);
  mutable std::mutex mu_;
  std::map<std::string, std::pair<std::string, std::string>> meta_;  // name -> (type, help)
  std::map<std::string, std::map<std::string, double>> series_;     // name -> key -> value
};

}  // namespace sg
