/* macros.c: system macros whose expansions differ between ABIs
 * (SIZE_MAX, INT64_C, PRId64); the program identity must not. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

size_t limit = SIZE_MAX;
int64_t big = INT64_C(1) << 40;

int main(void)
{
    printf("%" PRId64 " %zu\n", big, limit);
    return 0;
}
