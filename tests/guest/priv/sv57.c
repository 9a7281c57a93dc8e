/* Page-table walks with Sv57 (priv spec 4.5); the test is in sv_common.h. */
#define SV_LEVELS 5
#include "sv_common.h"
