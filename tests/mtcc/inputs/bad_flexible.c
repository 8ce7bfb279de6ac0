/* bad_flexible.c: a flexible array member (line 4). */
struct buffer {
    int len;
    char data[];
};
struct buffer empty;
int main(void) { return empty.len; }
