/* Page-table walks with Sv48 (priv spec 4.4); the test is in sv_common.h. */
#define SV_LEVELS 4
#include "sv_common.h"
