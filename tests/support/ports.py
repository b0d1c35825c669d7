import socket
from contextlib import ExitStack


def free_ports(count: int) -> list[int]:
    # All held open together, so that the kernel cannot hand out the same port twice.
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


def free_port() -> int:
    return free_ports(1)[0]
