#include "sending/delivery_slices.h"

#include <gtest/gtest.h>

namespace sg::sending {
namespace {

constexpr Millis kWindow{2000};

TEST(DeliverySlices, AnEmailStartsOnlyOnAnAnswerWithinTheWindow) {
  EXPECT_TRUE(may_start_on(Millis(2000), kWindow, true, false));
  EXPECT_FALSE(may_start_on(Millis(2001), kWindow, true, false));
}

TEST(DeliverySlices, TheFirstEmailOfASliceStartsOnItsFreshAnswerWhateverItsAge) {
  EXPECT_TRUE(may_start_on(Millis(5000), kWindow, true, true));
}

TEST(DeliverySlices, AnEmailTheAnswerDoesNotDeliverStopsWithoutAskingAgain) {
  EXPECT_TRUE(may_start_on(Millis(60000), kWindow, false, false));
}

TEST(DeliverySlices, TheFirstSliceIsTheWholeBatch) {
  SliceSizer sizer(kWindow, 4);
  EXPECT_EQ(300u, sizer.next(300));
}

TEST(DeliverySlices, ASlowSliceSizesTheNextByItsStartsPerWindowWithHeadroom) {
  SliceSizer sizer(kWindow, 4);
  sizer.record(40, Millis(4000));  // 20 per window
  EXPECT_EQ(40u, sizer.next(260));
  EXPECT_EQ(25u, sizer.next(25));
}

TEST(DeliverySlices, ASliceIsNeverSmallerThanOneEmailPerWorker) {
  SliceSizer sizer(kWindow, 4);
  sizer.record(1, Millis(10000));
  EXPECT_EQ(4u, sizer.next(100));
}

TEST(DeliverySlices, ASliceDoneWithinTheWindowLetsTheNextHoldTheRest) {
  SliceSizer sizer(kWindow, 4);
  sizer.record(10, Millis(5000));
  sizer.record(10, Millis(1500));
  EXPECT_EQ(200u, sizer.next(200));
}

}  // namespace
}  // namespace sg::sending
