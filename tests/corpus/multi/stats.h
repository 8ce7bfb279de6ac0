/* multi/stats.h: the interface between the two files of multi. */
struct stats {
    long n, sum, max;
};
void stats_add(struct stats *s, long v);
long stats_mean100(const struct stats *s);
long stats_checksum(void);
