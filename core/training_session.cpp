// training_session.cpp: (being written)
