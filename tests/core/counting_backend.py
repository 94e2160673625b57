from django.core.mail.backends.smtp import EmailBackend


class CountingSmtpBackend(EmailBackend):
    """Django's SMTP backend, counting the connections it opens to the server and
    the messages of each send_messages() call (class-wide: reset them per test)."""

    connections = 0
    batches = []

    def open(self):
        opened = super().open()
        if opened:
            CountingSmtpBackend.connections += 1
        return opened

    def send_messages(self, email_messages):
        CountingSmtpBackend.batches.append(len(email_messages))
        return super().send_messages(email_messages)
