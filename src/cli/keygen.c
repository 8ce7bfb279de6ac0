/* keygen.c: `migthread keygen KEYFILE`: makes a host's or user's identity
 * key pair for migration (src/net/), writes the secret to KEYFILE (mode
 * 0600, never over an existing file) and prints the public key as the
 * line an --authorized file takes. */
#include <stdio.h>
#include <string.h>

#include "../net/net.h"
#include "cli.h"

#define KEYGEN_SYNOPSIS "keygen KEYFILE"

int cmd_keygen(int argc, char **argv)
{
    if (argc != 1 || argv[0][0] == '-')
        return cli_usage(KEYGEN_SYNOPSIS);
    net_keys keys;
    net_error err;
    if (net_keys_generate(&keys, &err) < 0 || net_keys_write(argv[0], &keys, &err) < 0) {
        net_keys_wipe(&keys);
        return cli_fail("%s", err.msg);
    }
    char line[NET_PUBLIC_TEXT_MAX];
    net_public_text(keys.pk, line);
    net_keys_wipe(&keys);
    printf("%s\n", line);
    return fflush(stdout) == 0 ? 0 : cli_fail("cannot write the public key: standard output failed");
}
