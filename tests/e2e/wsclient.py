"""A client that speaks Streamlit's websocket protocol (binary protobuf ``BackMsg`` /
``ForwardMsg`` on ``/_stcore/stream``), for sending a real server what no browser would: a
widget value the page never offered, a clear-cache request. Loopback only; every wait is
bounded."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates


@dataclass
class Run:
    """What one script run sent back: its elements' text and widgets, and any exception."""

    texts: list[str] = field(default_factory=list)
    widgets: dict[str, tuple[str, object]] = field(default_factory=dict)  # label -> (id, proto)
    exceptions: list[str] = field(default_factory=list)
    page_hashes: dict[str, str] = field(default_factory=dict)  # url path -> page script hash
    # A custom component's element id and the fragment it was drawn in, by the id's key part.
    components: dict[str, tuple[str, str]] = field(default_factory=dict)


def _element_text(element) -> tuple[str, object | None]:
    kind = element.WhichOneof("type")
    proto = getattr(element, kind) if kind else None
    if kind == "exception":
        return f"EXCEPTION {proto.type}: {proto.message}", proto
    for attr in ("body", "label", "message"):
        if proto is not None and hasattr(proto, attr):
            value = getattr(proto, attr)
            if isinstance(value, str):
                return value, proto
    return "", proto


class Session:
    """One visitor's session on a server at ``url`` (``http://127.0.0.1:PORT``)."""

    def __init__(self, url: str, timeout: float = 60.0):
        self.url = url
        self.timeout = timeout
        self.ws = None

    async def __aenter__(self) -> Session:
        self.ws = await websockets.connect(
            self.url.replace("http://", "ws://") + "/_stcore/stream",
            subprotocols=["streamlit"],
            origin=self.url,
            max_size=None,
            open_timeout=self.timeout,
        )
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()

    async def send(self, msg: BackMsg) -> None:
        await self.ws.send(msg.SerializeToString())

    async def run(
        self,
        widgets: list[WidgetState] = (),
        page_script_hash: str = "",
        query_string: str = "",
        fragment_id: str = "",
    ) -> Run:
        """Asks for a script run with these widget values (of ``fragment_id`` alone, when
        given); collects it until it finishes."""
        msg = BackMsg()
        msg.rerun_script.CopyFrom(
            ClientState(
                query_string=query_string,
                widget_states=WidgetStates(widgets=list(widgets)),
                page_script_hash=page_script_hash,
                fragment_id=fragment_id,
            )
        )
        await self.send(msg)
        return await self.collect()

    async def collect(self) -> Run:
        run = Run()
        started = False
        async with asyncio.timeout(self.timeout):
            while True:
                fwd = ForwardMsg()
                fwd.ParseFromString(await self.ws.recv())
                kind = fwd.WhichOneof("type")
                if kind == "new_session":  # a run (re)starts: what came before is gone
                    started = True
                    run = Run(page_hashes=run.page_hashes)
                elif kind == "navigation":
                    for page in fwd.navigation.app_pages:
                        run.page_hashes[page.url_pathname] = page.page_script_hash
                elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                    text, proto = _element_text(fwd.delta.new_element)
                    if text.startswith("EXCEPTION"):
                        run.exceptions.append(text)
                    elif text:
                        run.texts.append(text)
                    if proto is not None and getattr(proto, "id", ""):
                        run.widgets[getattr(proto, "label", "")] = (proto.id, proto)
                    if fwd.delta.new_element.WhichOneof("type") == "bidi_component":
                        key = proto.id.rsplit("-", 1)[-1]
                        run.components[key] = (proto.id, fwd.delta.fragment_id)
                elif (
                    kind == "script_finished"
                    and started
                    # st.rerun() ends a run early; the run that follows is the answer.
                    and fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
                ):
                    return run

    async def clear_cache(self) -> None:
        msg = BackMsg()
        msg.clear_cache = True
        await self.send(msg)


def in_thread(coroutine):
    """Runs ``coroutine`` to its end in a thread of its own: Playwright's sync API (the other
    browser tests' session fixture) keeps an event loop running in the main thread, where
    ``asyncio.run`` refuses to start."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def component_trigger(component_id: str, event: str, value: object) -> WidgetState:
    """A custom component's trigger (``setTriggerValue(event, value)`` in its JavaScript) as
    the browser sends it: one JSON list on the component's events widget."""
    import json

    state = WidgetState(id=f"$$STREAMLIT_INTERNAL_KEY_{component_id}__events")
    state.json_trigger_value = json.dumps([{"event": event, "value": value}])
    return state


def string_value(widget_id: str, value: str) -> WidgetState:
    """A select box's or radio's value as the browser sends it (its formatted option)."""
    state = WidgetState(id=widget_id)
    state.string_value = value
    return state
