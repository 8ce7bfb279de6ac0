/* bad_int128.c: an __int128 member (line 4); x86_64, aarch64, s390x only. */
struct wide {
    int n;
    unsigned __int128 big;
};
struct wide wv;
int main(void) { return wv.n; }
