/* Page-table walks with Sv39 (priv spec 4.3); the test is in sv_common.h. */
#define SV_LEVELS 3
#include "sv_common.h"
