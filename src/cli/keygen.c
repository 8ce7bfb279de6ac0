/* keygen.c: `migthread keygen KEYFILE`: makes a host's or user's identity
 * key pair for migration (src/net/), writes the secret to KEYFILE (mode
 * 0600, never over an existing file) and prints the public key as the
 * line an --authorized file takes; `--public KEYFILE` prints that line
 * again from an existing key file (which must be private, as ssh wants). */
#include <stdio.h>
#include <string.h>

#include "../net/net.h"
#include "cli.h"

#define KEYGEN_SYNOPSIS "keygen [--public] KEYFILE"

int cmd_keygen(int argc, char **argv)
{
    int public_only = argc == 2 && strcmp(argv[0], "--public") == 0;
    const char *path = argv[argc - 1];
    if (argc != 1 + public_only || path[0] == '-')
        return cli_usage(KEYGEN_SYNOPSIS);
    net_keys keys;
    net_error err;
    int rc = public_only ? net_keys_load(path, &keys, &err)
                         : net_keys_generate(&keys, &err) < 0 ? -1 : net_keys_write(path, &keys, &err);
    if (rc < 0) {
        net_keys_wipe(&keys);
        return cli_fail("%s", err.msg);
    }
    char line[NET_PUBLIC_TEXT_MAX];
    net_public_text(keys.pk, line);
    net_keys_wipe(&keys);
    printf("%s\n", line);
    return fflush(stdout) == 0 ? 0 : cli_fail("cannot write the public key: standard output failed");
}
