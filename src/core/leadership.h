// Leadership: whether this instance is the one that runs the work only one instance may
// run at a time (the Marketo feed, write-backs and seed), asked before each round. When
// several instances share a database they elect one; a process alone always leads.
#pragma once

namespace sg {

class Leadership {
 public:
  virtual ~Leadership() = default;
  // Cheap enough to ask every round: an implementation re-checks or re-tries at its own pace.
  virtual bool leading() = 0;
};

class SoleInstance final : public Leadership {
 public:
  bool leading() override { return true; }
};

}  // namespace sg
