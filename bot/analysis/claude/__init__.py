"""The Claude analysis: requests per interview or theme (individually or as Message Batches), parsed
replies with verbatim evidence, and the cost estimate shown before anything is sent."""
