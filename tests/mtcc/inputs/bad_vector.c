/* bad_vector.c: a vector member (line 5). */
typedef int v4si __attribute__((vector_size(16)));
struct lanes {
    int n;
    v4si v;
};
struct lanes lv;
int main(void) { return lv.n; }
