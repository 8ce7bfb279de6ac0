/* bad_bitfield.c: a bit-field member (line 4). */
struct flags {
    int on;
    unsigned mode : 3;
};
struct flags settings;
int main(void) { return settings.on; }
