"""Fakes of third-party network services that speak their real protocols on 127.0.0.1."""
