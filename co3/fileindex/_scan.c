/* co3.fileindex._scan: list and lstat one directory in C.
 *
 * list_dir(path, prefix, want_links=False, mark=b"") reads every entry of the directory `path` (bytes), lstat()s
 * each one that is not a directory (relative to the directory's file descriptor), sorts
 * them in the walk's order (byte-wise by name, with "/" appended to directory names)
 * and returns (items, marks):
 *
 *   items: one per kept entry, sorted:
 *     regular file or symlink: (prefix + name, st_size, st_mtime_ns, st_ino, st_mode)
 *     directory:               prefix + name                  (bytes, no trailing "/")
 *     lstat() failed:          (prefix + name, errno)
 *   marks: the indices of the items that need a closer look, ascending: directories,
 *     failed entries, symlinks when `want_links` is true, and the entry named `mark`.
 *
 * Other file types (FIFOs, sockets, devices) are left out. The directory is read and
 * every lstat() made with the GIL released, so several threads can list directories at
 * once. Names are the exact bytes the kernel returned. It is the C twin of
 * co3.fileindex.walk._list_dir_py, which gives the same result.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if !defined(__linux__) || !defined(__GLIBC__)
/* qsort_r's signature, st_mtim and d_type are as on Linux with glibc; elsewhere the
 * build fails and co3 uses the pure-Python lister (the extension is optional). */
#error "co3.fileindex._scan is built for Linux with glibc only"
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { K_FILE = 0, K_LINK = 1, K_DIR = 2, K_ERR = 3 };

typedef struct {
    size_t off;      /* name offset in the name buffer */
    size_t len;      /* name length */
    int kind;
    int err;
    long long size;
    long long mtime_ns;
    unsigned long long ino;
    unsigned int mode;
} entry_t;

typedef struct {
    entry_t *ents;
    size_t n, cap;
    char *names;
    size_t nlen, ncap;
} listing_t;

/* Byte-wise order of name (+ "/" for a directory). Directory and file names never
 * contain "/", so two keys never tie. */
static int
cmp_entries(const void *pa, const void *pb, void *ctx)
{
    const entry_t *a = (const entry_t *)pa, *b = (const entry_t *)pb;
    const unsigned char *names = (const unsigned char *)ctx;
    const unsigned char *x = names + a->off, *y = names + b->off;
    size_t m = a->len < b->len ? a->len : b->len;
    int c = memcmp(x, y, m);
    if (c != 0)
        return c;
    /* One name is a prefix of the other (or equal, which cannot happen). Next byte of
     * each key: the name's next byte, "/" right after a directory's name, or the end. */
    int ca = a->len > m ? x[m] : (a->kind == K_DIR ? '/' : -1);
    int cb = b->len > m ? y[m] : (b->kind == K_DIR ? '/' : -1);
    return ca - cb;
}

static int
grow(listing_t *l, size_t namelen)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        entry_t *e = realloc(l->ents, cap * sizeof(entry_t));
        if (!e)
            return -1;
        l->ents = e;
        l->cap = cap;
    }
    if (l->nlen + namelen > l->ncap) {
        size_t cap = l->ncap ? l->ncap * 2 : 8192;
        while (cap < l->nlen + namelen)
            cap *= 2;
        char *s = realloc(l->names, cap);
        if (!s)
            return -1;
        l->names = s;
        l->ncap = cap;
    }
    return 0;
}

static void
fill_stat(entry_t *e, const struct stat *st)
{
    e->size = (long long)st->st_size;
    e->mtime_ns = (long long)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
    e->ino = (unsigned long long)st->st_ino;
    e->mode = (unsigned int)st->st_mode;
}

/* Read and lstat the directory; no Python calls (runs without the GIL).
 * Returns 0, or an errno value when the directory cannot be opened or read. */
static int
read_dir(const char *path, listing_t *l)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    DIR *dir = fdopendir(fd);
    if (!dir) {
        int err = errno;
        close(fd);
        return err;
    }
    struct dirent *d;
    struct stat st;
    for (;;) {
        errno = 0;
        d = readdir(dir);
        if (!d) {
            if (errno) {
                int err = errno;
                closedir(dir);
                return err;
            }
            break;
        }
        const char *name = d->d_name;
        if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0)))
            continue;
        int kind;
        switch (d->d_type) {
        case DT_DIR:
            kind = K_DIR;
            break;
        case DT_REG:
            kind = K_FILE;
            break;
        case DT_LNK:
            kind = K_LINK;
            break;
        case DT_UNKNOWN:
            kind = -1; /* decided by lstat below */
            break;
        default:
            continue; /* FIFO, socket, device: not an entry */
        }
        size_t len = strlen(name);
        if (grow(l, len) < 0) {
            closedir(dir);
            return ENOMEM;
        }
        entry_t *e = &l->ents[l->n];
        memset(e, 0, sizeof(*e));
        e->off = l->nlen;
        e->len = len;
        memcpy(l->names + l->nlen, name, len);
        if (kind != K_DIR) {
            if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
                kind = K_ERR;
                e->err = errno;
            }
            else if (S_ISREG(st.st_mode)) {
                kind = K_FILE;
                fill_stat(e, &st);
            }
            else if (S_ISLNK(st.st_mode)) {
                kind = K_LINK;
                fill_stat(e, &st);
            }
            else if (S_ISDIR(st.st_mode)) {
                kind = K_DIR;
            }
            else {
                continue; /* not an entry; its name is overwritten by the next one */
            }
        }
        e->kind = kind;
        l->nlen += len;
        l->n++;
    }
    closedir(dir);
    if (l->n > 1)
        qsort_r(l->ents, l->n, sizeof(entry_t), cmp_entries, l->names);
    return 0;
}

static PyObject *
list_dir(PyObject *Py_UNUSED(self), PyObject *args)
{
    const char *path;
    Py_ssize_t pathlen;
    const char *prefix;
    Py_ssize_t plen;
    int want_links = 0;
    const char *mark = "";
    Py_ssize_t marklen = 0;
    if (!PyArg_ParseTuple(args, "y#y#|py#:list_dir", &path, &pathlen, &prefix, &plen,
                          &want_links, &mark, &marklen))
        return NULL;
    if ((Py_ssize_t)strlen(path) != pathlen) {
        PyErr_SetString(PyExc_ValueError, "embedded null byte");
        return NULL;
    }

    listing_t l = {0};
    int err;
    Py_BEGIN_ALLOW_THREADS
    err = read_dir(path, &l);
    Py_END_ALLOW_THREADS
    if (err) {
        free(l.ents);
        free(l.names);
        if (err == ENOMEM)
            return PyErr_NoMemory();
        PyObject *fname = PyBytes_FromStringAndSize(path, pathlen);
        errno = err;
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, fname);
        Py_XDECREF(fname);
        return NULL;
    }

    PyObject *items = PyList_New((Py_ssize_t)l.n);
    PyObject *marks = PyList_New(0);
    if (!items || !marks)
        goto fail;
    for (size_t i = 0; i < l.n; i++) {
        entry_t *e = &l.ents[i];
        PyObject *rel = PyBytes_FromStringAndSize(NULL, plen + (Py_ssize_t)e->len);
        if (!rel)
            goto fail;
        char *buf = PyBytes_AS_STRING(rel);
        memcpy(buf, prefix, (size_t)plen);
        memcpy(buf + plen, l.names + e->off, e->len);
        PyObject *item;
        if (e->kind == K_DIR) {
            item = rel;
        }
        else if (e->kind == K_ERR) {
            item = PyTuple_New(2);
            PyObject *v = item ? PyLong_FromLong(e->err) : NULL;
            if (v) {
                PyTuple_SET_ITEM(item, 0, rel);
                PyTuple_SET_ITEM(item, 1, v);
            }
            else {
                Py_XDECREF(item);
                Py_DECREF(rel);
                item = NULL;
            }
        }
        else {
            item = PyTuple_New(5);
            if (item) {
                PyTuple_SET_ITEM(item, 0, rel);
                PyObject *v1 = PyLong_FromLongLong(e->size);
                PyObject *v2 = PyLong_FromLongLong(e->mtime_ns);
                PyObject *v3 = PyLong_FromUnsignedLongLong(e->ino);
                PyObject *v4 = PyLong_FromUnsignedLong(e->mode);
                PyTuple_SET_ITEM(item, 1, v1);
                PyTuple_SET_ITEM(item, 2, v2);
                PyTuple_SET_ITEM(item, 3, v3);
                PyTuple_SET_ITEM(item, 4, v4);
                if (!v1 || !v2 || !v3 || !v4)
                    Py_CLEAR(item);
            }
            else {
                Py_DECREF(rel);
            }
        }
        if (!item)
            goto fail;
        PyList_SET_ITEM(items, (Py_ssize_t)i, item);
        if (e->kind == K_DIR || e->kind == K_ERR || (want_links && e->kind == K_LINK) ||
            (marklen > 0 && e->len == (size_t)marklen &&
             memcmp(l.names + e->off, mark, e->len) == 0)) {
            PyObject *idx = PyLong_FromSize_t(i);
            if (!idx || PyList_Append(marks, idx) < 0) {
                Py_XDECREF(idx);
                goto fail;
            }
            Py_DECREF(idx);
        }
    }
    free(l.ents);
    free(l.names);
    return Py_BuildValue("(NN)", items, marks);

fail:
    free(l.ents);
    free(l.names);
    Py_XDECREF(items);
    Py_XDECREF(marks);
    return NULL;
}

static PyMethodDef methods[] = {
    {"list_dir", list_dir, METH_VARARGS,
     "list_dir(path, prefix, want_links=False, mark=b'') -> (items, marks)\n\n"
     "List and lstat one directory, sorted in the walk's order."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "co3.fileindex._scan",
    .m_doc = "List and lstat one directory in C.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__scan(void)
{
    return PyModule_Create(&module);
}
