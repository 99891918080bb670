#include "obs/metrics.h"

#include <cmath>
#include <sstream>

namespace sg {

std::string Metrics::series_key(const std::string& name, const Labels& labels) {
  if (labels.empty()) return name;
  std::string key = name + "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) key += ",";
    key += labels[i].first + "=\"";
    for (char c : labels[i].second) {
      if (c == '"' || c == '\\') key += '\\';
      key += c == '\n' ? ' ' : c;
    }
    key += "\"";
  }
  return key + "}";
}

void Metrics::increment(const std::string& name, const Labels& labels, uint64_t by) {
  std::lock_guard lock(mu_);
  series_[name][series_key(name, labels)] += static_cast<double>(by);
}

void Metrics::set_gauge(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mu_);
  series_[name][series_key(name, labels)] = value;
}

void Metrics::describe(const std::string& name, const std::string& type, const std::string& help) {
  std::lock_guard lock(mu_);
  meta_[name] = {type, help};
  series_[name];
}

uint64_t Metrics::counter(const std::string& name, const Labels& labels) const {
  std::lock_guard lock(mu_);
  auto it = series_.find(name);
  if (it == series_.end()) return 0;
  auto s = it->second.find(series_key(name, labels));
  return s == it->second.end() ? 0 : static_cast<uint64_t>(s->second);
}

std::string Metrics::render() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  for (const auto& [name, series] : series_) {
    if (auto m = meta_.find(name); m != meta_.end()) {
      out << "# HELP " << name << " " << m->second.second << "\n";
      out << "# TYPE " << name << " " << m->second.first << "\n";
    }
    for (const auto& [key, value] : series) {
      out << key << " ";
      if (value == std::floor(value)) out << static_cast<long long>(value);
      else out << value;
      out << "\n";
    }
  }
  return out.str();
}

}  // namespace sg
