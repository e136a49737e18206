# Leaves things in shared memory that outlive a process: a /dev/shm file and a
# System V shared-memory segment.
import ctypes

with open("/dev/shm/@TOKEN@", "wb") as f:
    f.write(b"left behind")
libc = ctypes.CDLL(None, use_errno=True)
key = int("@SHM_KEY@")
shmid = libc.shmget(key, ctypes.c_size_t(1024 * 1024), 0o1000 | 0o600)  # IPC_CREAT
print(f"shmget: {shmid}")
