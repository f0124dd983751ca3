// trainer_config.cpp: (being written)
