/* twins/twins.h: two files that differ only in names (twins/a.c, b.c). */
long a_work(int n);
long b_work(int n);
