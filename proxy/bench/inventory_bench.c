/* inventory_bench - figures of the inventory (not a test): see proxy/README.md. */
#include <stdio.h>

int
main(void)
{
    fprintf(stderr, "not yet\n");
    return 1;
}
