/* sub.h: found only through -I. */
struct sub_rec {
    int k;
    double v;
};
