"""Development only: an aiosmtpd handler that prints each email, decoded, in the `make run` terminal."""
import email
from email import policy


class PrintMail:
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        print(f"\n----- email to {', '.join(envelope.rcpt_tos)}: {message['Subject']}\n{text}-----\n", flush=True)
        return "250 OK"
