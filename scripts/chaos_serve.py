#!/usr/bin/python3
"""Legitimate clients at a steady rate beside hostile ones, against one `convlab serve` on 127.0.0.1.

Run by scripts/chaos-serve, which trains a small model and starts the server. Quiet phase first (the legitimate
client alone: its p99 latency), then the chaos phase: the same client beside a bounded mix of hostile requests
(decompression bombs of a few kilobytes, multipart full of them, KServe bodies declaring huge or overflowing
shapes, broken multipart, bodies that stop half way, clients that send headers and stall, unknown model names,
requests Jetty refuses itself, cut JPEGs). Prints one JSON object and exits 1 when a goal is missed:
every legitimate request answered 200, their p99 within 5x the quiet p99, no 5xx but 503 to anyone, no stack
trace in the server's log, the server's peak RSS within its budget, /metrics bounded.
Only 127.0.0.1 is ever contacted; every loop is bounded in count and time.
"""
import argparse
import http.client
import json
import random
import socket
import struct
import threading
import time
import zlib

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--pid", type=int, required=True, help="the server's JVM, for its peak RSS")
p.add_argument("--log", required=True, help="the server's log file, scanned for stack traces")
p.add_argument("--model", default="shapes")
p.add_argument("--image", required=True, help="a legitimate image file")
p.add_argument("--seconds", type=float, default=180)
p.add_argument("--quiet-seconds", type=float, default=15)
p.add_argument("--rate", type=float, default=5, help="legitimate requests per second")
p.add_argument("--hostile-threads", type=int, default=6)
p.add_argument("--budget-mb", type=int, required=True, help="the server's memory budget: peak RSS must stay below")
a = p.parse_args()

HOST = "127.0.0.1"
LEGIT = open(a.image, "rb").read()


def png(width, height, bits=1):
    """A PNG of zeros: a few kilobytes however many pixels it declares."""
    row = b"\x00" + b"\x00" * ((width * bits + 7) // 8)
    data = zlib.compress(row * height, 9)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    color = 0  # greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bits, color, 0, 0, 0))
            + chunk(b"IDAT", data) + chunk(b"IEND", b""))


BOMB = png(7000, 7000)          # 49 megapixels in a few kilobytes
TOO_BIG = png(8000, 7000)       # over the 50 megapixel limit


def multipart(parts, boundary="b"):
    out = b""
    for i, body in enumerate(parts):
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"data\"; filename=\"i{i}.png\"\r\n"
                "Content-Type: image/png\r\n\r\n").encode() + body + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def v2(shape, data="[1, 2, 3]"):
    return json.dumps({"inputs": [{"name": "input_1", "shape": shape, "datatype": "FP32", "data": json.loads(data)}]}).encode()


def request(method, path, body=None, headers=None, timeout=60):
    """One request on a connection of its own: (status, body) or (None, error text)."""
    conn = http.client.HTTPConnection(HOST, a.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read()
    except Exception as e:  # the hostile side may be cut off: that is allowed, and counted
        return None, str(e).encode()
    finally:
        conn.close()


def raw(data, read=True, timeout=15):
    """Bytes straight onto a socket (what http.client refuses to send); the status line back."""
    s = socket.create_connection((HOST, a.port), timeout=timeout)
    try:
        s.sendall(data)
        if not read:
            return None
        answer = b""
        while b"\r\n" not in answer:
            more = s.recv(4096)
            if not more:
                break
            answer += more
        line = answer.split(b"\r\n", 1)[0].decode(errors="replace")
        return int(line.split()[1]) if line.startswith("HTTP/1.1 ") else None
    except Exception:
        return None
    finally:
        s.close()


def cut_jpeg():
    # A JPEG start without its end: the server refuses it, as convlab predict does.
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(200)


CASES = {
    "bomb_png": lambda: request("POST", f"/predictions/{a.model}", BOMB, {"Content-Type": "image/png"}),
    "over_50mp_png": lambda: request("POST", f"/predictions/{a.model}", TOO_BIG, {"Content-Type": "image/png"}),
    "multipart_of_bombs": lambda: request("POST", f"/predictions/{a.model}", multipart([BOMB] * 20),
                                          {"Content-Type": "multipart/form-data; boundary=b"}),
    "kserve_huge_shape": lambda: request("POST", f"/v2/models/{a.model}/infer", v2([1, 25000, 20000, 1]),
                                         {"Content-Type": "application/json"}),
    "kserve_overflow": lambda: request("POST", f"/v2/models/{a.model}/infer", v2([9223372036854775807, 16, 16, 3]),
                                       {"Content-Type": "application/json"}),
    "multipart_no_boundary": lambda: request("POST", f"/predictions/{a.model}", b"garbage",
                                             {"Content-Type": "multipart/form-data"}),
    "multipart_unclosed": lambda: request("POST", f"/predictions/{a.model}", multipart([LEGIT])[:-8],
                                          {"Content-Type": "multipart/form-data; boundary=b"}),
    "multipart_1200_parts": lambda: request("POST", f"/predictions/{a.model}",
                                            b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n" * 1200 + b"--b--\r\n",
                                            {"Content-Type": "multipart/form-data; boundary=b"}),
    "early_eof": lambda: raw(b"POST /predictions/" + a.model.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                             b"Content-Length: 100000\r\n\r\n" + LEGIT[:len(LEGIT) // 2], read=False),
    "unknown_model": lambda: request("POST", f"/predictions/nope-{random.randrange(10**9)}", LEGIT, {"Content-Type": "image/png"}),
    "unknown_version": lambda: request("POST", f"/predictions/{a.model}/{random.randrange(2, 10**6)}", LEGIT,
                                       {"Content-Type": "image/png"}),
    "nul_in_path": lambda: raw(b"GET /pi\x00ng HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    "huge_url": lambda: raw(b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    "huge_header": lambda: raw(b"GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 100_000 + b"\r\nConnection: close\r\n\r\n"),
    "bad_content_length": lambda: raw(b"POST /predictions/x HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n\r\n"),
    "chunked_over_limit": lambda: raw(b"POST /predictions/" + a.model.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                                      b"Transfer-Encoding: chunked\r\nContent-Type: image/png\r\nConnection: close\r\n\r\n"
                                      + (b"100000\r\n" + b"x" * 0x100000 + b"\r\n") * 11 + b"0\r\n\r\n"),
    "cut_jpeg": lambda: request("POST", f"/predictions/{a.model}", cut_jpeg(), {"Content-Type": "image/jpeg"}),
}

lock = threading.Lock()
hostile_codes = {}          # case -> {code: count}
legit = {"sent": 0, "ok": 0, "codes": {}, "latencies": []}
stop = threading.Event()


def count(case, code):
    with lock:
        codes = hostile_codes.setdefault(case, {})
        codes[str(code)] = codes.get(str(code), 0) + 1


def legit_client(until, record):
    """One keep-alive connection, a request every 1/rate seconds; a dropped connection is reopened (and counted)."""
    conn = None
    next_at = time.monotonic()
    while time.monotonic() < until:
        if conn is None:
            conn = http.client.HTTPConnection(HOST, a.port, timeout=30)
        start = time.monotonic()
        status = None
        try:
            conn.request("POST", f"/predictions/{a.model}?top=1", body=LEGIT, headers={"Content-Type": "image/png"})
            r = conn.getresponse()
            r.read()
            status = r.status
        except Exception:
            conn.close()
            conn = None
        took = time.monotonic() - start
        if record:
            with lock:
                legit["sent"] += 1
                legit["codes"][str(status)] = legit["codes"].get(str(status), 0) + 1
                if status == 200:
                    legit["ok"] += 1
                    legit["latencies"].append(took)
        else:
            quiet.append(took)
        next_at += 1 / a.rate
        time.sleep(max(0.0, next_at - time.monotonic()))
    if conn:
        conn.close()


def hostile_worker(until):
    rng = random.Random(threading.get_ident())
    names = sorted(CASES)
    while time.monotonic() < until and not stop.is_set():
        case = rng.choice(names)
        result = CASES[case]()
        code = result[0] if isinstance(result, tuple) else result
        count(case, code)


def slowloris(until, at_once=300, hold=8.0):
    """Waves of clients that send a POST's headers (some one byte of body) and stall; each wave closed after `hold` s."""
    waves = 0
    while time.monotonic() < until and not stop.is_set():
        socks = []
        for i in range(at_once):
            try:
                s = socket.create_connection((HOST, a.port), timeout=5)
                s.sendall(b"POST /predictions/" + a.model.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                          b"Content-Length: 100000\r\n\r\n" + (b"x" if i % 2 else b""))
                socks.append(s)
            except Exception:
                break
        time.sleep(min(hold, max(0.0, until - time.monotonic())))
        for s in socks:
            s.close()
        waves += 1
        count("slowloris_wave", len(socks))
    return waves


def metrics_size():
    status, body = request("GET", "/metrics")
    return len(body) if status == 200 else -1


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered))) - 1))] if ordered else None


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return None


quiet = []
legit_client(time.monotonic() + a.quiet_seconds, record=False)
quiet_p99 = percentile(quiet, 99)
metrics_before = metrics_size()

end = time.monotonic() + a.seconds
threads = [threading.Thread(target=legit_client, args=(end, True))]
threads += [threading.Thread(target=hostile_worker, args=(end,)) for _ in range(a.hostile_threads)]
threads += [threading.Thread(target=slowloris, args=(end,))]
for t in threads:
    t.start()
for t in threads:
    t.join(timeout=a.seconds + 120)
stop.set()

metrics_after = metrics_size()
with open(a.log, errors="replace") as f:
    log = f.read().splitlines()
stack_lines = [line for line in log if line.startswith("\tat ") or "Exception in thread" in line]
server_5xx = {case: {c: n for c, n in codes.items() if c.startswith("5") and c != "503"}
              for case, codes in hostile_codes.items()}
server_5xx = {case: codes for case, codes in server_5xx.items() if codes}
chaos_p99 = percentile(legit["latencies"], 99)
rss = peak_rss_mb(a.pid)
result = {
    "seconds": a.seconds,
    "legit_sent": legit["sent"],
    "legit_answered_200": legit["ok"],
    "legit_codes": legit["codes"],
    "legit_p50_ms": round(1000 * percentile(legit["latencies"], 50), 1) if legit["latencies"] else None,
    "legit_p99_ms": round(1000 * chaos_p99, 1) if chaos_p99 is not None else None,
    "quiet_p99_ms": round(1000 * quiet_p99, 1) if quiet_p99 is not None else None,
    "hostile": hostile_codes,
    "hostile_5xx_other_than_503": server_5xx,
    "server_peak_rss_mb": rss,
    "budget_mb": a.budget_mb,
    "metrics_bytes_before_after": [metrics_before, metrics_after],
    "log_lines_with_a_stack_trace": len(stack_lines),
}
# The p99 goal has a floor of 20 ms under it: on two cores a quiet p99 of a few milliseconds is scheduler noise.
goals = {
    "every legitimate request answered 200": legit["sent"] > 0 and legit["ok"] == legit["sent"],
    "legitimate p99 within 5x the quiet p99": chaos_p99 is not None and quiet_p99 is not None
                                              and chaos_p99 <= 5 * max(quiet_p99, 0.020),
    "no 5xx but 503": not server_5xx,
    "no stack trace in the log": not stack_lines,
    "peak RSS within the budget": rss is not None and rss <= a.budget_mb,
    "metrics bounded (under 2x)": metrics_before > 0 and metrics_after <= 2 * metrics_before,
}
result["goals"] = goals
print(json.dumps(result, indent=1))
raise SystemExit(0 if all(goals.values()) else 1)
