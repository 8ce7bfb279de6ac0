/* nosync.c: an LD_PRELOAD shim for bench/capspeed.sh that makes fsync and
 * fdatasync return at once, so that a checkpoint's "written in" time is
 * the capture into the page cache alone; the script times the sync apart
 * (a run without the shim). Measurement only: never linked into MigThread. */
int fsync(int fd);
int fdatasync(int fd);

int fsync(int fd)
{
    (void)fd;
    return 0;
}

int fdatasync(int fd)
{
    (void)fd;
    return 0;
}
