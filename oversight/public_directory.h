// The public directory of outlets (S12, `bangban-hub report outlets --public`): every active
// outlet with what a member of the public needs to find and use it — and nothing else. The
// fields are copied one by one from the outlet's latest profile (never the whole body), so a
// field added to outlet.profile later cannot leak into the public list unnoticed.
#pragma once

#include "oversight/record_census.h"

namespace bangban {

// {outlets: [{outlet_id, name, kind, county, township, township_code, village, address, hours,
// phone, services}]}, ordered by county then outlet id. Outlets without a profile are left out.
Json BuildPublicDirectory(const Census& census, int inactive_days);

// Every outlet, active or not, with its last activity, six haves claimed and inspected and its
// flags: the registry as the county and the city see it (not for the public).
Json BuildOutletRegistry(const Census& census, int inactive_days);

}  // namespace bangban
