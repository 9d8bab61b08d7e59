"""The counting process of work.py: kaffee_site and difflib compiled with a counter before every
statement of every function and in every comprehension's loop; it runs the functions work.py
sends it (pickled on stdin) and sends back their results (pickled on stdout).

Imported before anything else imports kaffee_site or difflib (work.py starts it with `-c`).
Module and class bodies run once and are not counted (a counter before `from __future__` or a
docstring would break them). Compiled code is never written to __pycache__.
"""

from __future__ import annotations

import ast
import builtins
import importlib.machinery
import importlib.util
import itertools
import os
import pickle
import struct
import sys
import traceback

from work import COUNTED, COUNTER

setattr(builtins, COUNTER, itertools.count(1).__next__)  # always true: it can stand in a comprehension's `if`


def _tick() -> ast.expr:
    return ast.Call(ast.Name(COUNTER, ast.Load()), [], [])


class _Counter(ast.NodeTransformer):
    """A tick before every statement of a function's blocks, one in every comprehension's loop
    and one in every lambda."""

    def __init__(self) -> None:
        self.depth = 0  # inside a function (0: module or class body, run once)

    def _function(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1
        return self._blocks(node)

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node):
        depth, self.depth = self.depth, 0
        self.generic_visit(node)
        self.depth = depth
        return node

    def visit_Lambda(self, node):
        self.generic_visit(node)
        node.body = ast.Subscript(ast.Tuple([_tick(), node.body], ast.Load()), ast.Constant(1), ast.Load())
        return node

    def visit_comprehension(self, node):
        self.generic_visit(node)
        node.ifs.append(_tick())
        return node

    def generic_visit(self, node):
        super().generic_visit(node)
        if self.depth and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._blocks(node)
        return node

    def _blocks(self, node):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                ticked = []
                for index, statement in enumerate(block):
                    docstring = (index == 0 and field == "body" and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                                 and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
                                 and isinstance(statement.value.value, str))
                    if not docstring:
                        ticked.append(ast.copy_location(ast.Expr(_tick()), statement))
                    ticked.append(statement)
                setattr(node, field, ticked)
        return node


class _CountingLoader(importlib.machinery.SourceFileLoader):
    def get_code(self, fullname):
        path = self.get_filename(fullname)
        tree = _Counter().visit(ast.parse(self.get_data(path), path))
        return compile(ast.fix_missing_locations(tree), path, "exec", dont_inherit=True)


class _CountingFinder:
    def __init__(self) -> None:
        # found before this finder stands first (kaffee_site may be installed in editable mode)
        spec = importlib.util.find_spec("kaffee_site")
        self.package = list(spec.submodule_search_locations)

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in COUNTED:
            return None
        if name == "kaffee_site":
            init = os.path.join(self.package[0], "__init__.py")
            return importlib.util.spec_from_file_location(name, init, loader=_CountingLoader(name, init),
                                                          submodule_search_locations=self.package)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            spec.loader = _CountingLoader(name, spec.origin)
        return spec


assert not any(name.split(".")[0] in COUNTED for name in sys.modules), "counted code imported before counting"
sys.meta_path.insert(0, _CountingFinder())


def serve() -> None:
    requests, replies = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # what the code prints goes to stderr, never into a reply
    sys.stdout = sys.stderr
    while head := requests.read(8):
        module, name, args, environ, cwd = pickle.loads(requests.read(struct.unpack(">Q", head)[0]))
        os.environ.clear()
        os.environ.update(environ)
        os.chdir(cwd)
        try:
            function = importlib.import_module(module)
            for part in name.split("."):
                function = getattr(function, part)
            reply = (True, function(*args))
        except BaseException:
            reply = (False, traceback.format_exc())
        data = pickle.dumps(reply)
        replies.write(struct.pack(">Q", len(data)) + data)
        replies.flush()
