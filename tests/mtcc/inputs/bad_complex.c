/* bad_complex.c: a _Complex member (line 4). */
struct wave {
    int n;
    double _Complex z;
};
struct wave w;
int main(void) { return w.n; }
