"""Voice notes: decoding (PyAV), the Whisper model (faster-whisper), the transcribe job and the
user's decision on each transcript (imports worker.store, worker.conversation; heavy
libraries only inside the functions that need them).
"""
