/* holder.h: a struct whose member holds an address, stored in one file
 * (make.c) and only copied and read in another (main.c): built in one
 * command, both files must describe the member as an address. */
#include <stdint.h>
struct holder { uintptr_t ref; long n; };
struct holder *make(long *p, long n);
