# Tries to change files outside its work directory: politely, then around the audit hook.
import os
import subprocess

name = "escaped-@TOKEN@"
for folder in ("/tmp", "@HOME@", "@PROJECT@"):
    path = os.path.join(folder, name)
    try:
        with open(path, "w") as f:
            f.write("escaped")
        print(f"wrote {path}")
    except OSError as exc:
        print(f"open {path}: {type(exc).__name__}")
    try:
        os.mkdir(path + ".d")
        print(f"made {path}.d")
    except OSError as exc:
        print(f"mkdir {path}.d: {type(exc).__name__}")
    # a shell has no audit hook: this meets the sandbox itself
    rc = subprocess.run(["/bin/sh", "-c", f"echo escaped > {path}.sh"], capture_output=True).returncode
    print(f"sh > {path}.sh: exit {rc}")
victim = "@VICTIM@"  # a file the test made outside the work directory
for what, action in (("remove", lambda: os.remove(victim)),
                     ("rename", lambda: os.rename(victim, "stolen")),
                     ("truncate", lambda: open(victim, "w").close())):
    try:
        action()
        print(f"{what} {victim}: done")
    except OSError as exc:
        print(f"{what} {victim}: {type(exc).__name__}")
rc = subprocess.run(["/bin/rm", "-f", victim], capture_output=True).returncode
print(f"rm {victim}: exit {rc}")
with open("inside.txt", "w") as f:
    f.write("writing in the work directory is fine")
print(open("inside.txt").read())
open(os.path.join("@PROJECT@", name), "a")  # uncaught: the run ends with this error
