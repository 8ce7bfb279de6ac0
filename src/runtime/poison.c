/* poison.c: the region dangling pointers are restored into.
 *
 * A pointer the program kept after freeing its block has no meaning, and C
 * lets the program do nothing with it but overwrite it; it must not become
 * a pointer into some other live block. It is restored into a reserved
 * region without access rights, and a use of it ends the program with one
 * line naming the cause, as a use after free would best end. */
#include "poison.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define POISON_SIZE ((size_t)1 << 20)

static unsigned char *poison_base;
static struct sigaction previous;

/* Async-signal-safe: mt_fatal_in_handler (write and _exit) and sigaction
 * only, no stdio (the fault may come inside it). A fault elsewhere goes
 * back to the handler the program had, and the faulting access runs again. */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    unsigned char *a = si->si_addr;
    if (a < poison_base || a >= poison_base + POISON_SIZE) {
        sigaction(sig, &previous, NULL);
        return;
    }
    mt_fatal_in_handler("the program used a pointer into memory it had freed before the checkpoint");
}

static int reserve(mt_error *err)
{
    void *p = mmap(NULL, POISON_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return mt_fail(err, MT_ENOMEM, "cannot reserve the region for dangling pointers: %s",
                       strerror(errno));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &previous) < 0) {
        munmap(p, POISON_SIZE);
        return mt_fail(err, MT_EIO, "cannot install the fault handler for dangling pointers: %s",
                       strerror(errno));
    }
    poison_base = p;
    return 0;
}

void *poison_address(uint64_t offset, mt_error *err)
{
    if (!poison_base && reserve(err) < 0)
        return NULL;
    return poison_base + (offset < POISON_SIZE ? offset : POISON_SIZE - 1);
}
