/* multi.h: shared by multi_a.c and multi_b.c. */
struct pair {
    int a, b;
};
extern struct pair shared;
int add_pair(const struct pair *p);
