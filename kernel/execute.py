"""Execute one notebook headless through a Jupyter kernel and export it as standalone HTML.

Called by `go run ./kernel run`; prints one JSON line with the result. Uses Debian's
python3-nbclient, python3-nbformat and jupyter-nbconvert (no network).
usage: execute.py KERNEL_NAME IN.ipynb OUT.ipynb OUT.html CELL_TIMEOUT_SECONDS
"""
import json
import os
import sys
import time


def count_figures(nb):
    n = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" in data or "image/svg+xml" in data:
                n += 1
            elif "<svg" in str(data.get("text/html", "")) or "<img" in str(data.get("text/html", "")):
                n += 1
    return n


def main():
    kernel, src, dst_nb, dst_html, timeout = sys.argv[1:6]
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(nb, kernel_name=kernel, timeout=int(timeout),
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}},
                            record_timing=True)
    result = {"status": "ok", "failed_cell": None, "error": ""}
    t0 = time.time()
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError, Exception) as e:  # noqa: B014
        result["status"] = "failed"
        result["error"] = str(e)[-4000:]
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
                result["failed_cell"] = i
                break
        else:
            # Timeout or dead kernel: the first code cell that did not finish.
            for i, cell in enumerate(nb.cells):
                if cell.cell_type == "code" and cell.get("execution_count") is None and cell.source.strip():
                    result["failed_cell"] = i
                    break
        if isinstance(e, CellTimeoutError):
            result["error"] = "cell timed out after %s s: %s" % (timeout, result["error"])
    if result["failed_cell"] is not None:
        src = nb.cells[result["failed_cell"]].source.strip().splitlines()
        code = [l for l in src if l.strip() and not l.startswith("%") and not l.startswith("import")]
        result["failed_source"] = (code or src or [""])[0][:120]
    result["seconds"] = time.time() - t0
    result["figures"] = count_figures(nb)
    nb.metadata["dynlearn"] = {k: result[k] for k in ("status", "failed_cell", "seconds", "figures")}
    nbformat.write(nb, dst_nb)

    from nbconvert import HTMLExporter
    exporter = HTMLExporter()
    body, _ = exporter.from_notebook_node(nb)
    with open(dst_html, "w", encoding="utf-8") as f:
        f.write(body)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
