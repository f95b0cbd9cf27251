#include "cunit_main.h"
#include "ntp.h"
static void t_none(void) { CU_ASSERT(ntp_peer_nfamilies == 10); }
static CU_TestInfo tests[] = {{"none", t_none}, CU_TEST_INFO_NULL};
int main(int argc, char **argv) { return cunit_main(argc, argv, "ntp", tests); }
