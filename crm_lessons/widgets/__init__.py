"""Interactive controls for the chapter notebooks (the only package importing ipywidgets).

One submodule per chapter.  Every control wraps a tested pure function of the
topic module: the widget only collects slider values, calls that function and
shows its result, so nothing the widget displays is computed anywhere else.
Headless runs (papermill, nbconvert to HTML) cannot move a slider, so each
notebook also shows the pure function's result for the default values as a
normal output: that is the static fallback.
"""
