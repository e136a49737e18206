# Opens files and sockets until the system refuses.
import socket

held = []
while True:
    held.append(open("/dev/null", "rb"))
    held.append(socket.socket())
