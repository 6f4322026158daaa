"""Python's site, for a harness started without it (-S)."""

import sys

_site_added = False


def ensure_site():
    """Adds site-packages (and runs their .pth files) as Python's start would have, once.
    The local and server platforms start the harness with -S, which makes its own start
    ~25 ms shorter (executor.ts); what needs a third-party module (nbclient, the lookup of
    torch or jax for the device check) calls this first. A no-op when site was loaded."""
    global _site_added
    if sys.flags.no_site and not _site_added:
        import site

        site.main()
        _site_added = True
