/*
 * A stand-in for Windows' bcryptprimitives.dll, for the Wine checks of `cargo xtask
 * dist-check` only: Rust's standard library imports ProcessPrng from it (Windows 10 and 11
 * have it), and Debian 12's Wine 8 does not provide it, so no Rust program starts there
 * without this. Built with mingw-w64 into the throwaway Wine prefix's system32: it is a test
 * fixture, never shipped in the zip or the installer (dist-check checks that too).
 *
 * ProcessPrng fills the buffer from RtlGenRandom (advapi32's SystemFunction036), Wine's
 * system random source.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
